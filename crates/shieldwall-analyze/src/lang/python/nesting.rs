//! Whether a Python source is shallow enough for the recursive-descent
//! parser: its nesting, read from the tokens, stays under a bound.
//!
//! The AST parser recurses once or more for every level of nesting
//! (brackets, unary operators, `lambda`, `not`, conditional expressions,
//! `**` chains, indented blocks), and the tree it builds is as deep as
//! the longest chain of operators, attributes and calls (`a + b + c`,
//! `a.b.c`), which walking and dropping it recurse through. A hostile
//! file with thousands of levels would overflow the stack, which aborts
//! the process. The lexer does not recurse, so the tokens are counted
//! first: every token that can deepen the parse or the tree counts, and
//! only commas (which end an element) and logical newlines (which end a
//! statement) take the count back down. The count is an upper bound on
//! the depth, so a file under it parses safely; a file over it is read by
//! the error-tolerant fallback parser instead.

use ruff_python_ast::token::TokenKind;
use ruff_python_parser::Mode;
use ruff_python_parser::lexer::lex;

/// The deepest nesting handed to the AST parser. Real code stays far
/// below it (CPython itself refuses 200 nested brackets); the test
/// `deepest_accepted_inputs_fit_a_small_stack` parses the worst inputs at
/// this bound on a 2 MiB thread.
pub(super) const MAX_NESTING: u32 = 100;

/// Whether `source` lexes without error and its nesting bound stays at
/// or below [`MAX_NESTING`].
pub(super) fn shallow(source: &str) -> bool {
    let mut lexer = lex(source, Mode::Module);
    let mut bound = Bound::default();
    loop {
        let kind = lexer.next_token();
        match kind {
            TokenKind::EndOfFile => return lexer.finish().is_empty(),
            TokenKind::Unknown => return false,
            _ => {
                if bound.step(kind) > MAX_NESTING {
                    return false;
                }
            }
        }
    }
}

/// The running upper bound on the parser's nesting.
#[derive(Default)]
struct Bound {
    /// Open indented blocks.
    indent: u32,
    /// The counts of the enclosing bracket levels, outermost first.
    enclosing: Vec<Level>,
    /// The sum of `enclosing`.
    enclosing_sum: u32,
    /// The count of the current level.
    current: Level,
}

/// What one bracket level (or the statement outside brackets) counts.
#[derive(Clone, Copy, Default)]
struct Level {
    /// Tokens that may nest, since the last comma.
    run: u32,
    /// `lambda` and `yield`, whose level a comma does not close
    /// (`lambda a=1, b=2: …`, `yield a, b`).
    sticky: u32,
}

impl Level {
    fn total(self) -> u32 {
        self.run.saturating_add(self.sticky)
    }
}

impl Bound {
    /// Takes in one token and gives the bound after it.
    fn step(&mut self, kind: TokenKind) -> u32 {
        match kind {
            TokenKind::Lpar
            | TokenKind::Lsqb
            | TokenKind::Lbrace
            | TokenKind::FStringStart
            | TokenKind::TStringStart => {
                self.enclosing.push(self.current);
                self.enclosing_sum = self.enclosing_sum.saturating_add(self.current.total());
                self.current = Level::default();
            }
            TokenKind::Rpar
            | TokenKind::Rsqb
            | TokenKind::Rbrace
            | TokenKind::FStringEnd
            | TokenKind::TStringEnd => {
                // The bracketed part is one more node of the enclosing
                // chain (`a()()()`, `a[1][1]`).
                if let Some(outer) = self.enclosing.pop() {
                    self.enclosing_sum -= outer.total();
                    self.current = outer;
                    self.current.run += 1;
                }
            }
            TokenKind::Comma => self.current.run = 0,
            TokenKind::Newline | TokenKind::Semi if self.enclosing.is_empty() => {
                self.current = Level::default();
            }
            TokenKind::Indent => self.indent += 1,
            TokenKind::Dedent => self.indent = self.indent.saturating_sub(1),
            TokenKind::Lambda | TokenKind::Yield => self.current.sticky += 1,
            kind if is_flat(kind) => {}
            _ => self.current.run += 1,
        }
        self.indent
            .saturating_add(self.enclosing.len() as u32)
            .saturating_add(self.enclosing_sum)
            .saturating_add(self.current.total())
    }
}

/// Tokens that never deepen the parse or the tree: names, numbers,
/// string pieces, trivia, and the comparison and boolean operators (whose
/// operands the tree keeps in a flat list). Every other token may: a
/// bracket, a unary operator, and also a binary operator, a `.` or a
/// call, since `a + b + c` and `a.b.c` nest one node per operator.
fn is_flat(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Name
            | TokenKind::Int
            | TokenKind::Float
            | TokenKind::Complex
            | TokenKind::String
            | TokenKind::FStringMiddle
            | TokenKind::TStringMiddle
            | TokenKind::Comment
            | TokenKind::NonLogicalNewline
            | TokenKind::Newline
            | TokenKind::Semi
            | TokenKind::Less
            | TokenKind::Greater
            | TokenKind::EqEqual
            | TokenKind::NotEqual
            | TokenKind::LessEqual
            | TokenKind::GreaterEqual
            | TokenKind::And
            | TokenKind::Or
            | TokenKind::In
            | TokenKind::Is
            | TokenKind::None
            | TokenKind::True
            | TokenKind::False
            | TokenKind::Ellipsis
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_code_is_shallow() {
        let src = "import os\n\nclass A:\n    def f(self, a=-1, *, b=None):\n        return {k: [v, (1, 2)] for k, v in os.environ.items() if not k}\n\n\
                   x = [-1, -2, -3, -4] * 50\nprint(f\"{x!r:>{10}}\", lambda a, b=2: a ** -b)\n";
        assert!(shallow(src));
        let data = format!("TABLE = [{}]\n", "-1, a.b + 2, ".repeat(5_000));
        assert!(shallow(&data), "commas end each element's count");
        let lines = "if a:\n    x = -1\n".repeat(5_000);
        assert!(shallow(&lines), "newlines end each statement's count");
    }

    #[test]
    fn deep_inputs_are_refused() {
        let n = MAX_NESTING as usize + 1;
        let cases = [
            format!("x = {}1{}\n", "(".repeat(n), ")".repeat(n)),
            format!("x = {}1\n", "-".repeat(n)),
            format!("x = {}y\n", "not ".repeat(n)),
            format!("x = {}y\n", "lambda: ".repeat(n)),
            format!("x = {}1\n", "2 ** ".repeat(n)),
            format!("x = {}1\n", "a if b else ".repeat(n)),
            format!("x = {}y\n", "await ".repeat(n)),
            format!("x = f\"{}\"\n", "{f'".repeat(n) + &"'}".repeat(n)),
            format!("x = [{}]\n", "lambda a=1, b=2: ".repeat(n)),
            format!("x = {}b\n", "a.".repeat(n)),
            format!("x = a{}\n", "()".repeat(n)),
            format!("x = a{}\n", " + a".repeat(n)),
            (0..n)
                .map(|i| format!("{}if x:\n", "    ".repeat(i)))
                .collect::<String>()
                + &"    ".repeat(n)
                + "pass\n",
        ];
        for case in &cases {
            assert!(!shallow(case), "{}", &case[..case.len().min(60)]);
        }
    }

    #[test]
    fn lexical_errors_are_refused() {
        assert!(!shallow("x = 'unterminated\n"));
        assert!(!shallow("x = $\n"));
    }
}

//! Parse speed of the Python and JavaScript fact extraction on one file.
//!
//! ```sh
//! cargo run --release -p shieldwall-analyze --example parse_speed -- FILE [ROUNDS]
//! ```
use std::time::Instant;

use shieldwall_analyze::Stage;
use shieldwall_analyze::lang::{javascript, python};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = std::fs::read_to_string(&args[0]).expect("a readable text file");
    let rounds: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(50);
    let js = args[0].ends_with(".js");
    let mut parser = tree_sitter::Parser::new();
    let language = if js {
        tree_sitter_javascript::LANGUAGE
    } else {
        tree_sitter_python::LANGUAGE
    };
    parser.set_language(&language.into()).expect("grammar");
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(parser.parse(&text, None));
    }
    let parse = start.elapsed().as_secs_f64() / rounds as f64;
    let start = Instant::now();
    for _ in 0..rounds {
        let facts = if js {
            javascript::analyze(&text, Stage::Import, false)
        } else {
            python::analyze(&text, Stage::Import, false)
        };
        std::hint::black_box(facts);
    }
    let facts = start.elapsed().as_secs_f64() / rounds as f64;
    let mb = text.len() as f64 / 1e6;
    println!(
        "{} bytes: parse {:.2} ms ({:.1} MB/s), parse+facts {:.2} ms ({:.1} MB/s)",
        text.len(),
        parse * 1e3,
        mb / parse,
        facts * 1e3,
        mb / facts
    );
}

//! Conda `environment.yml` / `environment.yaml`: only the `pip:` sub-list
//! of `dependencies` names PyPI packages (the rest are conda packages and
//! not read here). Each `pip:` item is a requirements-file line, so `-r`
//! includes, `-e` and options work as in requirements files.
//!
//! The YAML is read as an event stream (no alias expansion), which keeps
//! the line of every item.

use std::path::Path;
use std::sync::Arc;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};

use crate::yaml_depth::{MAX_DEPTH, too_deep};
use yaml_rust2::scanner::Marker;

use super::requirements::Reader;
use super::text::decode;
use crate::{ExtractError, Extraction, Extractor, FileInput};

/// The conda environment file extractor (`python/conda-environment`).
pub(crate) struct CondaEnvironment;

/// One open YAML container.
enum Frame {
    /// A mapping: the key whose value is being read, if any.
    Map(Option<String>),
    /// A sequence.
    Seq,
}

/// Collects the scalars at `dependencies[*].pip[*]` of the first document.
#[derive(Default)]
struct PipItems {
    stack: Vec<Frame>,
    documents: usize,
    items: Vec<(String, u32)>,
}

impl PipItems {
    fn in_pip_list(&self) -> bool {
        matches!(
            self.stack.as_slice(),
            [
                Frame::Map(Some(deps)),
                Frame::Seq,
                Frame::Map(Some(pip)),
                Frame::Seq
            ] if deps == "dependencies" && pip == "pip"
        )
    }

    /// A value (scalar, alias or container) was read in the current frame.
    fn value_done(&mut self) {
        if let Some(Frame::Map(key)) = self.stack.last_mut() {
            *key = None;
        }
    }
}

impl MarkedEventReceiver for PipItems {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.documents > 1 {
            return;
        }
        match ev {
            Event::DocumentStart => self.documents += 1,
            Event::Scalar(value, ..) => {
                if let Some(Frame::Map(key @ None)) = self.stack.last_mut() {
                    *key = Some(value);
                    return;
                }
                if self.in_pip_list() {
                    let line = u32::try_from(mark.line()).unwrap_or(u32::MAX);
                    self.items.push((value, line));
                }
                self.value_done();
            }
            Event::Alias(_) => {
                if let Some(Frame::Map(key @ None)) = self.stack.last_mut() {
                    *key = Some(String::new());
                    return;
                }
                self.value_done();
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                // A complex key is read as an unnamed key.
                if let Some(Frame::Map(key @ None)) = self.stack.last_mut() {
                    *key = Some(String::new());
                }
                self.stack.push(if matches!(ev, Event::MappingStart(..)) {
                    Frame::Map(None)
                } else {
                    Frame::Seq
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                self.value_done();
            }
            _ => {}
        }
    }
}

impl Extractor for CondaEnvironment {
    fn id(&self) -> &'static str {
        "python/conda-environment"
    }

    fn extract(&self, input: &FileInput<'_>) -> Result<Extraction, ExtractError> {
        let text = decode(input)?;
        if let Some(line) = too_deep(&text) {
            return Err(ExtractError::malformed(
                input,
                Some(line),
                format!("yaml nests deeper than {MAX_DEPTH} levels"),
            ));
        }
        let mut items = PipItems::default();
        Parser::new_from_str(&text)
            .load(&mut items, true)
            .map_err(|e| {
                ExtractError::malformed(
                    input,
                    u32::try_from(e.marker().line()).ok(),
                    format!("invalid yaml: {}", e.info()),
                )
            })?;
        let mut reader = Reader::default();
        let path: &Path = input.path;
        let display: &Arc<str> = input.display;
        for (item, line) in items.items {
            reader.read_line(&item, line, path, display, false, 0);
        }
        Ok(reader.out)
    }
}

//! Bookkeeping shared by the Python and JavaScript walkers: which
//! function each fact sits in, which functions run when the file loads,
//! and the stage each fact gets in the end.

use std::collections::{HashMap, HashSet};

use super::{Call, Facts, Literal, NameRef};
use crate::model::Stage;

/// Where the walker is: inside which top-level function (by index into
/// [`Owners`]), and whether under a `__main__` guard.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Scope {
    /// The top-level function (or method group) holding the code.
    pub owner: Option<u32>,
    /// Inside `if __name__ == "__main__":`, which only runs as a script.
    pub main_guard: bool,
}

/// Facts gathered during a walk, with the scope each was seen in.
#[derive(Default)]
pub(super) struct Collector {
    facts: Facts,
    call_scopes: Vec<Scope>,
    string_scopes: Vec<Scope>,
    name_scopes: Vec<Scope>,
    import_scopes: Vec<Scope>,
    owners: Vec<String>,
    owner_index: HashMap<String, u32>,
    /// Identifiers referenced at load time (module scope, not guarded).
    load_refs: HashSet<String>,
    /// Identifiers referenced inside each owner.
    owner_refs: HashMap<u32, HashSet<String>>,
}

impl Collector {
    /// The owner id for a top-level function or method group `key`.
    pub fn owner(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.owner_index.get(key) {
            return id;
        }
        let id = self.owners.len() as u32;
        self.owners.push(key.to_owned());
        self.owner_index.insert(key.to_owned(), id);
        id
    }

    /// Notes that `ident` is referenced in `scope` (for working out which
    /// functions run at load).
    pub fn reference(&mut self, ident: &str, scope: Scope) {
        match scope.owner {
            Some(owner) => {
                self.owner_refs
                    .entry(owner)
                    .or_default()
                    .insert(ident.to_owned());
            }
            None if !scope.main_guard => {
                self.load_refs.insert(ident.to_owned());
            }
            None => {}
        }
    }

    pub fn call(&mut self, call: Call, scope: Scope) {
        self.facts.calls.push(call);
        self.call_scopes.push(scope);
    }

    pub fn string(&mut self, value: String, line: u32, scope: Scope) {
        self.facts.strings.push(Literal {
            value,
            line,
            stage: Stage::Runtime,
        });
        self.string_scopes.push(scope);
    }

    pub fn name(&mut self, name: String, line: u32, scope: Scope) {
        self.facts.names.push(NameRef {
            name,
            line,
            stage: Stage::Runtime,
        });
        self.name_scopes.push(scope);
    }

    pub fn import(&mut self, module: String, line: u32, scope: Scope) {
        self.facts.imports.push(NameRef {
            name: module,
            line,
            stage: Stage::Runtime,
        });
        self.import_scopes.push(scope);
    }

    /// Assigns every fact its stage and returns the facts. With
    /// `whole_file`, everything runs at `load` (a script run as a whole:
    /// `setup.py`, an install hook's file); otherwise module scope and
    /// the functions it reaches run at `load` and the rest at runtime.
    pub fn finish(mut self, load: Stage, whole_file: bool, had_errors: bool) -> Facts {
        let invoked = self.invoked();
        let stage_of = |scope: &Scope| {
            if whole_file {
                return load;
            }
            if scope.main_guard {
                return Stage::Runtime;
            }
            match scope.owner {
                None => load,
                Some(owner) if invoked.contains(&owner) => load,
                Some(_) => Stage::Runtime,
            }
        };
        for (call, scope) in self.facts.calls.iter_mut().zip(&self.call_scopes) {
            call.stage = stage_of(scope);
        }
        for (lit, scope) in self.facts.strings.iter_mut().zip(&self.string_scopes) {
            lit.stage = stage_of(scope);
        }
        for (name, scope) in self.facts.names.iter_mut().zip(&self.name_scopes) {
            name.stage = stage_of(scope);
        }
        for (import, scope) in self.facts.imports.iter_mut().zip(&self.import_scopes) {
            import.stage = stage_of(scope);
        }
        self.facts.had_errors = had_errors;
        self.facts
    }

    /// The owners that run when the file loads: referenced at load, or
    /// referenced by an owner that does.
    fn invoked(&self) -> HashSet<u32> {
        let mut invoked = HashSet::new();
        let mut queue: Vec<u32> = self
            .load_refs
            .iter()
            .filter_map(|r| self.owner_index.get(r).copied())
            .collect();
        while let Some(owner) = queue.pop() {
            if !invoked.insert(owner) {
                continue;
            }
            if let Some(refs) = self.owner_refs.get(&owner) {
                queue.extend(refs.iter().filter_map(|r| self.owner_index.get(r).copied()));
            }
        }
        invoked
    }
}

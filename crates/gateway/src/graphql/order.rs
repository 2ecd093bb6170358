//! Writing a response with every object's fields in the order the query
//! asked for them, as the GraphQL specification requires.
//!
//! async-graphql 7 resolves the fields of an object concurrently and keeps
//! them in the order they finish, so a field that waits for a batch loader
//! comes after one that did not. The response is written here instead,
//! walking the data beside the operation's selection sets (fragments
//! expanded in place, fields of one response key merged): each object's
//! keys come out in the order of their first selection.

use std::collections::HashSet;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Response, Value};

/// `response` as JSON, data fields in the order `document` selects them
/// (for the operation named `operation`, or its only one).
pub fn response_json(
    response: &Response,
    document: Option<&ExecutableDocument>,
    operation: Option<&str>,
) -> serde_json::Result<Vec<u8>> {
    // Room for the parts written whole (a page is ~100 KB) up front, so
    // the answer is not copied again at every doubling.
    let whole: usize = match &response.data {
        Value::Object(fields) => fields
            .values()
            .filter_map(super::tree::raw_text)
            .map(str::len)
            .sum(),
        _ => 0,
    };
    let mut out = Vec::with_capacity(1024 + whole);
    out.extend_from_slice(b"{\"data\":");
    match document.and_then(|d| selected(d, operation).map(|op| (d, op))) {
        Some((document, op)) => {
            let writer = Writer {
                document,
                out: &mut out,
            };
            writer.value(&response.data, &[&op.selection_set.node])?;
        }
        None => serde_json::to_writer(&mut out, &response.data)?,
    }
    if !response.extensions.is_empty() {
        out.extend_from_slice(b",\"extensions\":");
        serde_json::to_writer(&mut out, &response.extensions)?;
    }
    if !response.errors.is_empty() {
        out.extend_from_slice(b",\"errors\":");
        serde_json::to_writer(&mut out, &response.errors)?;
    }
    out.push(b'}');
    Ok(out)
}

/// The operation a request runs: the one named, or the only one.
fn selected<'a>(
    document: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        (DocumentOperations::Multiple(_), None) => None,
    }
}

struct Writer<'a, 'o> {
    document: &'a ExecutableDocument,
    out: &'o mut Vec<u8>,
}

/// The response keys selected by `sets`, in order, each with the selection
/// sets of its fields.
type Keys<'a> = Vec<(&'a str, Vec<&'a SelectionSet>)>;

impl<'a> Writer<'a, '_> {
    fn value(mut self, value: &Value, sets: &[&'a SelectionSet]) -> serde_json::Result<()> {
        self.write(value, sets)
    }

    fn write(&mut self, value: &Value, sets: &[&'a SelectionSet]) -> serde_json::Result<()> {
        // Written whole, in the selection's order, by `graphql::tree`.
        if let Some(json) = super::tree::raw_text(value) {
            self.out.extend_from_slice(json.as_bytes());
            return Ok(());
        }
        match value {
            Value::Object(_) => {
                let keys = self.keys(sets);
                self.object(value, &keys)
            }
            Value::List(items) => {
                // The items of a list share one selection: collect it once.
                let keys = items
                    .iter()
                    .any(|item| matches!(item, Value::Object(_) | Value::List(_)))
                    .then(|| self.keys(sets));
                self.out.push(b'[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        self.out.push(b',');
                    }
                    match (&keys, item) {
                        (Some(keys), Value::Object(_)) => self.object(item, keys)?,
                        _ => self.write(item, sets)?,
                    }
                }
                self.out.push(b']');
                Ok(())
            }
            scalar => serde_json::to_writer(&mut *self.out, scalar),
        }
    }

    fn object(&mut self, value: &Value, keys: &Keys<'a>) -> serde_json::Result<()> {
        if let Some(json) = super::tree::raw_text(value) {
            self.out.extend_from_slice(json.as_bytes());
            return Ok(());
        }
        let Value::Object(map) = value else {
            return serde_json::to_writer(&mut *self.out, value);
        };
        self.out.push(b'{');
        let mut first = true;
        let mut written = 0;
        for (key, sets) in keys {
            if let Some(field) = map.get(*key) {
                if !first {
                    self.out.push(b',');
                }
                first = false;
                written += 1;
                serde_json::to_writer(&mut *self.out, key)?;
                self.out.push(b':');
                self.write(field, sets)?;
            }
        }
        // Anything the selection does not name (there should be nothing)
        // still goes out, after the rest.
        if written < map.len() {
            for (key, field) in map {
                if !keys.iter().any(|(k, _)| *k == key.as_str()) {
                    if !first {
                        self.out.push(b',');
                    }
                    first = false;
                    serde_json::to_writer(&mut *self.out, key.as_str())?;
                    self.out.push(b':');
                    serde_json::to_writer(&mut *self.out, field)?;
                }
            }
        }
        self.out.push(b'}');
        Ok(())
    }

    fn keys(&self, sets: &[&'a SelectionSet]) -> Keys<'a> {
        let mut keys: Keys<'a> = Vec::new();
        let mut spread = HashSet::new();
        for set in sets {
            self.collect(set, &mut keys, &mut spread);
        }
        keys
    }

    fn collect(&self, set: &'a SelectionSet, keys: &mut Keys<'a>, spread: &mut HashSet<&'a str>) {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let key = field
                        .alias
                        .as_ref()
                        .map_or(field.name.node.as_str(), |a| a.node.as_str());
                    let children = &field.selection_set.node;
                    match keys.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, sets)) => sets.push(children),
                        None => keys.push((key, vec![children])),
                    }
                }
                Selection::FragmentSpread(fragment) => {
                    let name = fragment.node.fragment_name.node.as_str();
                    if spread.insert(name)
                        && let Some(definition) = self.document.fragments.get(name)
                    {
                        self.collect(&definition.node.selection_set.node, keys, spread);
                    }
                }
                Selection::InlineFragment(inline) => {
                    self.collect(&inline.node.selection_set.node, keys, spread);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ordered(query: &str, data: serde_json::Value) -> String {
        let document = async_graphql::parser::parse_query(query).unwrap();
        let response = Response::new(Value::from_json(data).unwrap());
        String::from_utf8(response_json(&response, Some(&document), None).unwrap()).unwrap()
    }

    #[test]
    fn keys_follow_the_selection_whatever_order_the_data_has() {
        let out = ordered(
            "{ b a { z y } }",
            serde_json::json!({"a": [{"y": 1, "z": 2}, {"y": 3, "z": 4}], "b": true}),
        );
        assert_eq!(
            out,
            r#"{"data":{"b":true,"a":[{"z":2,"y":1},{"z":4,"y":3}]}}"#
        );
    }

    #[test]
    fn fragments_and_aliases_place_their_fields_where_they_are_spread() {
        let out = ordered(
            "query { x: c ...F a } fragment F on Query { b c { ... on T { q p } } }",
            serde_json::json!({"a": 1, "b": 2, "c": {"p": 1, "q": 2}, "x": null}),
        );
        assert_eq!(out, r#"{"data":{"x":null,"b":2,"c":{"q":2,"p":1},"a":1}}"#);
    }

    #[test]
    fn a_field_selected_twice_merges_both_selections_in_first_seen_order() {
        let out = ordered(
            "{ a { x } b a { y x } }",
            serde_json::json!({"b": 0, "a": {"y": 2, "x": 1}}),
        );
        assert_eq!(out, r#"{"data":{"a":{"x":1,"y":2},"b":0}}"#);
    }
}

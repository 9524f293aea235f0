//! A matter's application form, drawn from its JSON Schema, and read back from a post.
//!
//! The schema's own words (`title`, `enum`) label the controls; what the API reports wrong
//! with a field is shown at that field. The API checks the form; this module only draws it
//! and turns the posted strings back into JSON of the schema's types.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::layout::Fields;

/// Posted form fields carry this prefix (`f.shop_name`), apart from the portal's own.
const PREFIX: &str = "f.";

/// One control of the form.
pub(crate) struct Field {
    /// Name in the form JSON.
    pub name: String,
    /// Name of the HTML control.
    pub input: String,
    /// Label.
    pub label: String,
    /// `text`, `number`, `tel`, `select`, `multi` (checkboxes), `bool`, `textarea`.
    pub kind: &'static str,
    pub required: bool,
    /// Current value (text, number, select, bool as "true").
    pub value: String,
    /// Current values (multi).
    pub values: Vec<String>,
    /// Choices (select, multi).
    pub options: Vec<String>,
    /// What is wrong with it.
    pub error: Option<String>,
    /// A hint under the control (lengths, format).
    pub hint: String,
}

impl Field {
    /// Is `option` chosen?
    pub(crate) fn has(&self, option: &str) -> bool {
        self.values.iter().any(|v| v == option) || self.value == option
    }

    /// The id of the control (also `for` of its label).
    pub(crate) fn id(&self) -> String {
        format!("field-{}", self.name)
    }
}

/// The controls for `schema`, filled from `form`, with `errors` by field name.
pub(crate) fn fields(schema: &Value, form: &Value, errors: &HashMap<String, String>) -> Vec<Field> {
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema["properties"].as_object() else {
        return Vec::new();
    };
    // JSON objects reach us with their keys sorted; the schema's `required` list is in the
    // order the matter's author wrote, so required fields come first in that order.
    let mut ordered: Vec<(&String, &Value)> = properties.iter().collect();
    ordered.sort_by_key(|(name, _)| {
        required
            .iter()
            .position(|r| *r == name.as_str())
            .unwrap_or(usize::MAX)
    });
    ordered
        .into_iter()
        .map(|(name, prop)| {
            let current = &form[name.as_str()];
            let options: Vec<String> = prop["enum"]
                .as_array()
                .or_else(|| prop["items"]["enum"].as_array())
                .map(|a| {
                    a.iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let kind = match (prop["type"].as_str(), options.is_empty()) {
                (Some("array"), _) => "multi",
                (_, false) => "select",
                (Some("number" | "integer"), _) => "number",
                (Some("boolean"), _) => "bool",
                (Some("string"), _) if prop["maxLength"].as_u64().is_some_and(|m| m > 200) => {
                    "textarea"
                }
                (Some("string"), _) if name.contains("phone") => "tel",
                _ => "text",
            };
            let value = match current {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => String::new(),
            };
            let values = current
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let mut hint = Vec::new();
            if let (Some(min), Some(max)) = (prop["minLength"].as_u64(), prop["maxLength"].as_u64())
            {
                hint.push(format!("{min}–{max} 个字"));
            } else if let Some(max) = prop["maxLength"].as_u64() {
                hint.push(format!("不超过 {max} 个字"));
            }
            if kind == "tel" {
                hint.push("11 位手机号码".to_owned());
            }
            if kind == "multi" {
                hint.push("可多选".to_owned());
            }
            if let Some(d) = prop["description"].as_str() {
                hint.push(d.to_owned());
            }
            Field {
                name: name.clone(),
                input: format!("{PREFIX}{name}"),
                label: prop["title"].as_str().unwrap_or(name).to_owned(),
                kind,
                required: required.contains(&name.as_str()),
                value,
                values,
                options,
                error: errors.get(&format!("{PREFIX}{name}")).cloned(),
                hint: hint.join("；"),
            }
        })
        .collect()
}

/// The form JSON from posted fields: numbers parsed, checkbox groups as arrays, blanks left
/// out (so "required" is the API's to report). A number that does not parse is kept as the
/// text typed, for the API to name.
pub(crate) fn read(schema: &Value, posted: &Fields) -> Value {
    let mut form = Map::new();
    let Some(properties) = schema["properties"].as_object() else {
        return Value::Object(form);
    };
    for (name, prop) in properties {
        let input = format!("{PREFIX}{name}");
        match prop["type"].as_str() {
            Some("array") => {
                let values = posted.all(&input);
                if !values.is_empty() {
                    form.insert(
                        name.clone(),
                        Value::Array(
                            values
                                .into_iter()
                                .map(|v| Value::String(v.into()))
                                .collect(),
                        ),
                    );
                }
            }
            Some("boolean") => {
                form.insert(name.clone(), Value::Bool(posted.get(&input).is_some()));
            }
            Some(kind @ ("number" | "integer")) => {
                if let Some(raw) = posted.get(&input) {
                    let parsed = if kind == "integer" {
                        raw.parse::<i64>().ok().map(Value::from)
                    } else {
                        raw.parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map(Value::Number)
                    };
                    form.insert(
                        name.clone(),
                        parsed.unwrap_or_else(|| Value::String(raw.into())),
                    );
                }
            }
            _ => {
                if let Some(raw) = posted.get(&input) {
                    form.insert(name.clone(), Value::String(raw.into()));
                }
            }
        }
    }
    Value::Object(form)
}

/// The API's field errors keyed by the portal's names: `form.x` / `form/x` → `x`, the
/// applicant's fields → `applicant_name`, `applicant_id`, `contact_phone`. Errors of fields
/// the page does not show are returned apart, to list at the top.
pub(crate) fn errors_by_field(
    errors: &[(String, String)],
) -> (HashMap<String, String>, Vec<String>) {
    let mut by_field = HashMap::new();
    let mut other = Vec::new();
    for (field, message) in errors {
        let key = if let Some(rest) = field
            .strip_prefix("form.")
            .or_else(|| field.strip_prefix("form/"))
            .or_else(|| field.strip_prefix("/form/"))
        {
            Some(format!(
                "{PREFIX}{}",
                rest.split(['.', '/', '[']).next().unwrap_or(rest)
            ))
        } else {
            match field.as_str() {
                "applicant.name" => Some("applicant_name".to_owned()),
                "applicant.id_number" | "applicant.credit_code" => Some("applicant_id".to_owned()),
                "contact_phone" => Some("contact_phone".to_owned()),
                _ => None,
            }
        };
        match key {
            Some(k) => {
                by_field.entry(k).or_insert_with(|| message.clone());
            }
            None => other.push(message.clone()),
        }
    }
    (by_field, other)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn schema() -> Value {
        json!({"type": "object", "required": ["name", "items"], "properties": {
            "name": {"type": "string", "title": "名称", "minLength": 2, "maxLength": 100},
            "kind": {"type": "string", "title": "业态", "enum": ["甲", "乙"]},
            "items": {"type": "array", "title": "项目", "items": {"type": "string", "enum": ["一", "二", "三"]}},
            "area": {"type": "number", "title": "面积"},
            "contact_phone": {"type": "string", "title": "电话"}
        }})
    }

    #[test]
    fn controls_follow_the_schema_and_carry_values_and_errors() {
        let errors = HashMap::from([("f.name".to_owned(), "太短".to_owned())]);
        let fields = fields(
            &schema(),
            &json!({"name": "甲", "items": ["二"], "area": 12.5}),
            &errors,
        );
        let order: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            order,
            ["name", "items", "area", "contact_phone", "kind"],
            "required fields first, in the schema's order"
        );
        let by: HashMap<_, _> = fields.iter().map(|f| (f.name.as_str(), f)).collect();
        assert_eq!(by["name"].kind, "text");
        assert!(by["name"].required);
        assert_eq!(by["name"].error.as_deref(), Some("太短"));
        assert_eq!(by["kind"].kind, "select");
        assert_eq!(by["kind"].options, ["甲", "乙"]);
        assert_eq!(by["items"].kind, "multi");
        assert!(by["items"].has("二") && !by["items"].has("一"));
        assert_eq!(by["area"].kind, "number");
        assert_eq!(by["area"].value, "12.5");
        assert_eq!(by["contact_phone"].kind, "tel");
        assert!(!by["kind"].required);
    }

    #[test]
    fn a_post_reads_back_into_typed_json_and_blanks_are_left_out() {
        let posted = Fields(vec![
            ("f.name".into(), " 玄武小吃店 ".into()),
            ("f.kind".into(), "".into()),
            ("f.items".into(), "一".into()),
            ("f.items".into(), "三".into()),
            ("f.area".into(), "86.5".into()),
            ("_csrf".into(), "x".into()),
        ]);
        assert_eq!(
            read(&schema(), &posted),
            json!({"name": "玄武小吃店", "items": ["一", "三"], "area": 86.5})
        );
        let bad = Fields(vec![("f.area".into(), "八十".into())]);
        assert_eq!(read(&schema(), &bad), json!({"area": "八十"}));
    }

    #[test]
    fn api_field_errors_land_at_the_fields_the_page_shows() {
        let (by, other) = errors_by_field(&[
            ("form.shop_name".into(), "必填".into()),
            ("form.contact_phone".into(), "请填写联系电话".into()),
            ("contact_phone".into(), "请填写 11 位手机号码".into()),
            ("applicant.id_number".into(), "身份证号码无效".into()),
            ("matter_code".into(), "事项未发布".into()),
        ]);
        assert_eq!(by["f.shop_name"], "必填");
        assert_eq!(by["applicant_id"], "身份证号码无效");
        assert_eq!(
            (by["f.contact_phone"].as_str(), by["contact_phone"].as_str()),
            ("请填写联系电话", "请填写 11 位手机号码"),
            "a form field named like an application field keeps its own error"
        );
        assert_eq!(other, ["事项未发布"]);
    }
}

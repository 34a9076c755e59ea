//! The `hashicorp/null` provider: `null_resource` (does nothing; `triggers` force replacement)
//! and the `null_data_source` data source, as terraform-provider-null 3.2 implements them.

use super::{attrs_of, data_source_schema, get, random_int63, resource_schema, schema_of, NULL};
use crate::diag::Diagnostic;
use crate::plan::PathStep;
use crate::provider::{ApplyRequest, BoxFuture, PlanRequest, PlanResponse, Provider};
use crate::schema::{proposed_new, ProviderSchema};
use crate::value::{Type, Value};

pub struct NullProvider {
    schema: &'static ProviderSchema,
}

impl NullProvider {
    pub fn new() -> NullProvider {
        NullProvider {
            schema: schema_of(NULL),
        }
    }
}

impl Default for NullProvider {
    fn default() -> Self {
        NullProvider::new()
    }
}

impl Provider for NullProvider {
    fn source(&self) -> &str {
        NULL
    }

    fn schema(&self) -> &ProviderSchema {
        self.schema
    }

    /// A new object gets an unknown `id`; an existing one keeps its id (the provider's
    /// `UseStateForUnknown`) unless `triggers` force a replacement.
    fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, Diagnostic> {
        let block = &resource_schema(self.schema, NULL, req.type_name)?.block;
        let mut prior = req.prior.filter(|p| !p.is_null());
        let mut requires_replace = Vec::new();
        if let Some(p) = prior {
            if triggers_require_replace(&get(p, "triggers"), &get(req.config, "triggers")) {
                requires_replace.push(vec![PathStep::Attr("triggers".into())]);
                prior = None;
            }
        }
        let mut planned = attrs_of(&proposed_new(block, prior, req.config));
        if prior.is_none() {
            planned.insert("id".into(), Value::Unknown(Type::String));
        }
        Ok(PlanResponse {
            planned: Value::object(planned),
            requires_replace,
        })
    }

    /// Create sets `id` to a random decimal integer (Go's `rand.Int()`); update and delete
    /// change nothing.
    fn apply<'a>(&'a self, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<Value, Diagnostic>> {
        Box::pin(async move {
            let block = &resource_schema(self.schema, NULL, req.type_name)?.block;
            let Some(planned) = req.planned.filter(|p| !p.is_null()) else {
                return Ok(Value::Null(block.implied_type()));
            };
            let mut out = attrs_of(planned);
            if !get(planned, "id").is_known() {
                out.insert("id".into(), Value::string(random_int63().to_string()));
            }
            if !get(planned, "triggers").is_wholly_known() {
                out.insert("triggers".into(), get(req.config, "triggers"));
            }
            Ok(Value::object(out))
        })
    }

    /// `null_data_source`: `outputs` copies `inputs`, `random` is a random integer,
    /// `has_computed_default` defaults to `"default"`, `id` is `"static"`.
    fn read_data<'a>(
        &'a self,
        type_name: &'a str,
        config: &'a Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostic>> {
        Box::pin(async move {
            data_source_schema(self.schema, NULL, type_name)?;
            let mut out = attrs_of(config);
            out.insert("outputs".into(), get(config, "inputs"));
            out.insert("random".into(), Value::string(random_int63().to_string()));
            if get(config, "has_computed_default").is_null() {
                out.insert("has_computed_default".into(), Value::from("default"));
            }
            out.insert("id".into(), Value::from("static"));
            Ok(Value::object(out))
        })
    }
}

/// The provider's `RequiresReplaceIfValuesNotNull` rule for `triggers`: a change replaces the
/// object, except that keys with null values are not a change (the older SDK did not store
/// them, so state written by it lacks them).
fn triggers_require_replace(state: &Value, config: &Value) -> bool {
    if config.equals(state) == Some(true) && config.is_known() {
        return false;
    }
    // The elements of a map; an unknown or null map has none.
    let elements = |v: &Value| v.as_attrs().cloned().unwrap_or_default();
    let config_elems = elements(config);
    if state.is_null() {
        return config_elems.values().any(|v| !v.is_null());
    }
    let state_elems = elements(state);
    let changed = config_elems.iter().any(|(k, v)| match state_elems.get(k) {
        None => !v.is_null(),
        Some(s) => v.equals(s) != Some(true),
    });
    changed || state_elems.keys().any(|k| !config_elems.contains_key(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Attrs;
    use std::sync::Arc;

    fn triggers(pairs: &[(&str, Value)]) -> Value {
        Value::map(
            Type::String,
            pairs
                .iter()
                .map(|(k, v)| (Arc::from(*k), v.clone()))
                .collect::<Attrs>(),
        )
    }

    fn object(id: Value, triggers: Value) -> Value {
        Value::object(
            [("id".into(), id), ("triggers".into(), triggers)]
                .into_iter()
                .collect(),
        )
    }

    fn plan(prior: Option<&Value>, config: &Value) -> PlanResponse {
        NullProvider::new()
            .plan(PlanRequest {
                type_name: "null_resource",
                prior,
                config,
            })
            .unwrap()
    }

    #[tokio::test]
    async fn creating_gives_a_random_decimal_id() {
        let cfg = object(Value::Null(Type::String), triggers(&[("a", "1".into())]));
        let p = plan(None, &cfg);
        assert!(matches!(
            get(&p.planned, "id"),
            Value::Unknown(Type::String)
        ));
        let after = NullProvider::new()
            .apply(ApplyRequest {
                type_name: "null_resource",
                prior: None,
                planned: Some(&p.planned),
                config: &cfg,
            })
            .await
            .unwrap();
        let id = get(&after, "id");
        let id = id.as_str().unwrap();
        assert!(id.parse::<i64>().is_ok_and(|n| n >= 0), "{id}");
        assert!(get(&after, "triggers").equals(&get(&cfg, "triggers")) == Some(true));
    }

    #[test]
    fn unchanged_triggers_keep_the_object_and_its_id() {
        let prior = object("42".into(), triggers(&[("a", "1".into())]));
        let cfg = object(Value::Null(Type::String), triggers(&[("a", "1".into())]));
        let p = plan(Some(&prior), &cfg);
        assert!(p.requires_replace.is_empty());
        assert_eq!(get(&p.planned, "id").as_str(), Some("42"));
    }

    #[test]
    fn changed_triggers_force_replacement() {
        let prior = object("42".into(), triggers(&[("a", "1".into())]));
        for cfg_triggers in [
            triggers(&[("a", "2".into())]),
            triggers(&[("a", "1".into()), ("b", "1".into())]),
            triggers(&[]),
            Value::Null(Type::map(Type::String)),
            Value::Unknown(Type::map(Type::String)),
            triggers(&[("a", Value::Unknown(Type::String))]),
        ] {
            let cfg = object(Value::Null(Type::String), cfg_triggers.clone());
            let p = plan(Some(&prior), &cfg);
            assert_eq!(
                p.requires_replace,
                vec![vec![PathStep::Attr("triggers".into())]],
                "{cfg_triggers}"
            );
            assert!(!get(&p.planned, "id").is_known());
        }
    }

    #[test]
    fn null_valued_trigger_keys_are_not_a_change() {
        // Keys with null values were never stored by the older SDK.
        assert!(!triggers_require_replace(
            &triggers(&[("a", "1".into())]),
            &triggers(&[("a", "1".into()), ("b", Value::Null(Type::String))]),
        ));
        assert!(!triggers_require_replace(
            &Value::Null(Type::map(Type::String)),
            &triggers(&[("b", Value::Null(Type::String))]),
        ));
        assert!(triggers_require_replace(
            &Value::Null(Type::map(Type::String)),
            &triggers(&[("b", "x".into())]),
        ));
        assert!(!triggers_require_replace(
            &Value::Null(Type::map(Type::String)),
            &Value::Null(Type::map(Type::String)),
        ));
    }

    #[tokio::test]
    async fn the_null_data_source_copies_inputs_to_outputs() {
        let cfg = Value::object(
            [
                ("inputs".into(), triggers(&[("k", "v".into())])),
                ("outputs".into(), Value::Null(Type::map(Type::String))),
                ("random".into(), Value::Null(Type::String)),
                ("has_computed_default".into(), Value::Null(Type::String)),
                ("id".into(), Value::Null(Type::String)),
            ]
            .into_iter()
            .collect(),
        );
        let v = NullProvider::new()
            .read_data("null_data_source", &cfg)
            .await
            .unwrap();
        assert_eq!(
            get(&v, "outputs").to_string(),
            get(&cfg, "inputs").to_string()
        );
        assert_eq!(get(&v, "has_computed_default").as_str(), Some("default"));
        assert_eq!(get(&v, "id").as_str(), Some("static"));
        assert!(get(&v, "random").as_str().unwrap().parse::<i64>().is_ok());
    }
}

//! Terraform's built-in provider (`terraform.io/builtin/terraform`): the `terraform_data`
//! managed resource, with the plan and apply rules of Terraform's `resource_data.go`.

use super::{attrs_of, data_source_schema, get, resource_schema, schema_of, TERRAFORM};
use crate::diag::Diagnostic;
use crate::plan::PathStep;
use crate::provider::{ApplyRequest, BoxFuture, PlanRequest, PlanResponse, Provider};
use crate::schema::{proposed_new, raw_equals, ProviderSchema};
use crate::value::{Type, Value};

pub struct TerraformProvider {
    schema: &'static ProviderSchema,
}

impl TerraformProvider {
    pub fn new() -> TerraformProvider {
        TerraformProvider {
            schema: schema_of(TERRAFORM),
        }
    }
}

impl Default for TerraformProvider {
    fn default() -> Self {
        TerraformProvider::new()
    }
}

impl Provider for TerraformProvider {
    fn source(&self) -> &str {
        TERRAFORM
    }

    fn schema(&self) -> &ProviderSchema {
        self.schema
    }

    /// - a change of `triggers_replace` replaces the object (planned as a new one);
    /// - a new object gets an unknown `id`;
    /// - a change of `input` (or a new object with an input) makes `output` unknown, of the
    ///   input's type; a null input gives a null output.
    fn plan(&self, req: PlanRequest<'_>) -> Result<PlanResponse, Diagnostic> {
        let block = &resource_schema(self.schema, TERRAFORM, req.type_name)?.block;
        let mut prior = req.prior.filter(|p| !p.is_null());
        let mut requires_replace = Vec::new();
        if let Some(p) = prior {
            if !raw_equals(
                &get(p, "triggers_replace"),
                &get(req.config, "triggers_replace"),
            ) {
                requires_replace.push(vec![PathStep::Attr("triggers_replace".into())]);
                // Planned as if new; Terraform core re-plans a replacement the same way.
                prior = None;
            }
        }
        let mut planned = attrs_of(&proposed_new(block, prior, req.config));
        if prior.is_none() {
            planned.insert("id".into(), Value::Unknown(Type::String));
        }
        let input = get(req.config, "input");
        let prior_input = prior.map_or(Value::NULL, |p| get(p, "input"));
        if !raw_equals(&prior_input, &input) {
            let output = if input.is_null() {
                Value::Null(input.ty())
            } else {
                Value::Unknown(input.ty())
            };
            planned.insert("output".into(), output);
        }
        Ok(PlanResponse {
            planned: Value::object(planned),
            requires_replace,
        })
    }

    /// Fills in what the plan left unknown: a new random UUID for `id`, the input for
    /// `output`.
    fn apply<'a>(&'a self, req: ApplyRequest<'a>) -> BoxFuture<'a, Result<Value, Diagnostic>> {
        Box::pin(async move {
            let block = &resource_schema(self.schema, TERRAFORM, req.type_name)?.block;
            let Some(planned) = req.planned.filter(|p| !p.is_null()) else {
                return Ok(Value::Null(block.implied_type()));
            };
            let mut out = attrs_of(planned);
            if !get(planned, "id").is_known() {
                out.insert("id".into(), Value::string(uuid::Uuid::new_v4().to_string()));
            }
            if !get(planned, "output").is_known() {
                // The plan's input; if it was not known when planned, the configuration's
                // (which apply evaluates again).
                let mut input = get(planned, "input");
                if !input.is_wholly_known() {
                    input = get(req.config, "input");
                }
                if !input.is_wholly_known() {
                    return Err(Diagnostic::error("Provider produced invalid object").detail(
                        "The input of terraform_data is still unknown during apply, so its output cannot be set.",
                    ));
                }
                out.insert("input".into(), input.clone());
                out.insert("output".into(), input);
            }
            Ok(Value::object(out))
        })
    }

    fn read_data<'a>(
        &'a self,
        type_name: &'a str,
        _config: &'a Value,
    ) -> BoxFuture<'a, Result<Value, Diagnostic>> {
        Box::pin(async move {
            // `terraform_remote_state` is not built into bcmhcl.
            data_source_schema(self.schema, TERRAFORM, type_name)?;
            Err(Diagnostic::error("Invalid data source")
                .detail(format!("bcmhcl cannot read {type_name:?}.")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Attrs;
    use std::sync::Arc;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(
            pairs
                .iter()
                .map(|(k, v)| (Arc::from(*k), v.clone()))
                .collect::<Attrs>(),
        )
    }

    /// The configuration object as the decoder gives it.
    fn config(input: Value, triggers: Value) -> Value {
        obj(&[
            ("id", Value::Null(Type::String)),
            ("input", input),
            ("output", Value::NULL),
            ("triggers_replace", triggers),
        ])
    }

    fn plan(prior: Option<&Value>, config: &Value) -> PlanResponse {
        TerraformProvider::new()
            .plan(PlanRequest {
                type_name: "terraform_data",
                prior,
                config,
            })
            .unwrap()
    }

    async fn apply(planned: &Value, config: &Value) -> Value {
        TerraformProvider::new()
            .apply(ApplyRequest {
                type_name: "terraform_data",
                prior: None,
                planned: Some(planned),
                config,
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn creating_plans_unknown_id_and_output_then_apply_fills_them() {
        let cfg = config("x".into(), Value::NULL);
        let p = plan(None, &cfg);
        assert!(p.requires_replace.is_empty());
        assert!(matches!(
            get(&p.planned, "id"),
            Value::Unknown(Type::String)
        ));
        assert!(matches!(
            get(&p.planned, "output"),
            Value::Unknown(Type::String)
        ));
        let after = apply(&p.planned, &cfg).await;
        let id = get(&after, "id");
        let id = id.as_str().unwrap();
        assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 4);
        assert_eq!(get(&after, "output").as_str(), Some("x"));
    }

    #[test]
    fn creating_without_input_leaves_output_null() {
        let p = plan(None, &config(Value::NULL, Value::NULL));
        assert!(get(&p.planned, "output").is_null());
        assert!(!get(&p.planned, "id").is_known());
    }

    #[test]
    fn an_unchanged_object_plans_exactly_its_prior_value() {
        let prior = obj(&[
            ("id", "abc".into()),
            ("input", "x".into()),
            ("output", "x".into()),
            ("triggers_replace", Value::NULL),
        ]);
        let p = plan(Some(&prior), &config("x".into(), Value::NULL));
        assert!(p.requires_replace.is_empty());
        assert!(raw_equals(&p.planned, &prior));
    }

    #[test]
    fn a_changed_input_recomputes_output_in_place() {
        let prior = obj(&[
            ("id", "abc".into()),
            ("input", "x".into()),
            ("output", "x".into()),
            ("triggers_replace", Value::NULL),
        ]);
        let p = plan(Some(&prior), &config(Value::int(2), Value::NULL));
        assert!(p.requires_replace.is_empty());
        assert_eq!(get(&p.planned, "id").as_str(), Some("abc"));
        assert!(matches!(
            get(&p.planned, "output"),
            Value::Unknown(Type::Number)
        ));
        let p = plan(Some(&prior), &config(Value::NULL, Value::NULL));
        assert!(
            get(&p.planned, "output").is_null(),
            "null input, null output"
        );
    }

    #[test]
    fn a_changed_trigger_forces_replacement_with_a_new_id() {
        let prior = obj(&[
            ("id", "abc".into()),
            ("input", "x".into()),
            ("output", "x".into()),
            ("triggers_replace", Value::tuple(vec!["a".into()])),
        ]);
        let p = plan(
            Some(&prior),
            &config("x".into(), Value::tuple(vec!["b".into()])),
        );
        assert_eq!(
            p.requires_replace,
            vec![vec![PathStep::Attr("triggers_replace".into())]]
        );
        assert!(!get(&p.planned, "id").is_known());
        assert!(
            !get(&p.planned, "output").is_known(),
            "output recomputed as on create"
        );
        // A trigger whose value is not known yet also replaces.
        let p = plan(Some(&prior), &config("x".into(), Value::unknown()));
        assert_eq!(p.requires_replace.len(), 1);
        // The same values as a list instead of a tuple are a different value.
        let p = plan(
            Some(&prior),
            &config("x".into(), Value::list(Type::String, vec!["a".into()])),
        );
        assert_eq!(p.requires_replace.len(), 1);
    }

    #[tokio::test]
    async fn an_input_unknown_at_plan_time_is_taken_from_the_configuration_at_apply() {
        let planned = obj(&[
            ("id", Value::Unknown(Type::String)),
            ("input", Value::unknown()),
            ("output", Value::unknown()),
            ("triggers_replace", Value::NULL),
        ]);
        let after = apply(&planned, &config("late".into(), Value::NULL)).await;
        assert_eq!(get(&after, "input").as_str(), Some("late"));
        assert_eq!(get(&after, "output").as_str(), Some("late"));
    }

    #[tokio::test]
    async fn deleting_returns_null_and_unknown_types_are_refused() {
        let p = TerraformProvider::new();
        let cfg = config(Value::NULL, Value::NULL);
        let gone = p
            .apply(ApplyRequest {
                type_name: "terraform_data",
                prior: Some(&cfg),
                planned: None,
                config: &cfg,
            })
            .await
            .unwrap();
        assert!(gone.is_null());
        let err = p
            .plan(PlanRequest {
                type_name: "terraform_thing",
                prior: None,
                config: &cfg,
            })
            .err()
            .unwrap();
        assert_eq!(err.summary, "Invalid resource type");
    }
}

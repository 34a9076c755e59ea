//! Built-in providers: `terraform` (terraform_data), `null` (null_resource), `external`.

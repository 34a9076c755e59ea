//! Terraform state (format version 4) and where it is stored.

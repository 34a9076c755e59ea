//! The human plan (`terraform plan` layout) and plan JSON (format 1.2).

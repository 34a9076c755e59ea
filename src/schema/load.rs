//! Reading `schema/*.json` and decoding configuration bodies against a schema.

//! The built-in demo cluster used when no `--inventory` is given: head node `bcm-head`,
//! networks `internalnet` and `ipminet`, images `default-image` and `gpu-image`, categories
//! `default` and `gpu`, partition `base`. `examples/sim-inventory.json` is the same file.

use crate::provider::bcm::wire::Inventory;

/// The demo inventory as JSON, in the `--inventory` file format.
pub const DEMO_INVENTORY_JSON: &str = include_str!("demo-inventory.json");

pub fn inventory() -> Result<Inventory, serde_json::Error> {
    serde_json::from_str(DEMO_INVENTORY_JSON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_cluster_has_what_the_docs_promise() {
        let inventory = inventory().unwrap();
        let names = |items: Vec<&str>| items.join(",");
        assert_eq!(
            names(inventory.networks.iter().map(|n| n.name.as_str()).collect()),
            "internalnet,ipminet"
        );
        assert_eq!(
            names(
                inventory
                    .software_images
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect()
            ),
            "default-image,gpu-image"
        );
        assert_eq!(
            names(
                inventory
                    .categories
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect()
            ),
            "default,gpu"
        );
        assert_eq!(inventory.partitions[0].name, "base");
        let head = &inventory.nodes[0];
        assert_eq!(
            (head.hostname.as_str(), head.child_type.as_str()),
            ("bcm-head", "HeadNode")
        );
        assert!(head.roles.len() >= 2);
        let internalnet = &inventory.networks[0];
        assert_eq!(internalnet.extra["management"], serde_json::json!(true));
        assert_eq!(internalnet.extra["bootable"], serde_json::json!(true));
    }

    #[test]
    fn the_example_copy_matches_the_embedded_demo() {
        let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join("sim-inventory.json");
        let text = std::fs::read_to_string(example).unwrap();
        assert_eq!(text, DEMO_INVENTORY_JSON);
    }
}

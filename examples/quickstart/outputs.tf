output "node_status" {
  value = module.nodes.node_status
}

output "provisioning_summary" {
  value = module.nodes.provisioning_summary
}

output "node_bmc_ips" {
  value = module.nodes.node_bmc_ips
}

output "node_categories" {
  value = module.nodes.node_categories
}

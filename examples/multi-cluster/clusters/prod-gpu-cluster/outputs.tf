output "provisioning_summary" {
  value = module.nodes.provisioning_summary
}

output "node_categories" {
  value = module.nodes.node_categories
}

output "node_status" {
  value = { for hostname, node in module.nodes.node_status : hostname => node.status }
}

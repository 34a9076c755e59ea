output "provisioning_summary" {
  value = module.nodes.provisioning_summary
}

output "chassis_power" {
  value = { for hostname, node in module.nodes.node_status : hostname => node.status }
}

output "node_bmc_ips" {
  value = module.nodes.node_bmc_ips
}

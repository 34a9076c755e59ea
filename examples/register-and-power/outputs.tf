output "node_status" {
  description = "Each node's status when its power operation finished."
  value       = { for name, p in bcm_cmdevice_power.node : name => p.status }
}

output "nodes_up" {
  value = length([for p in bcm_cmdevice_power.node : p if p.status == "UP"])
}

locals {
  node_hostnames = sort(keys(var.nodes))

  # Each node waits for the previous one in sequential mode (the seed's chain pattern).
  node_dependencies = {
    for idx, hostname in local.node_hostnames :
    hostname => idx > 0 ? local.node_hostnames[idx - 1] : null
  }

  by_category = {
    for hostname, node in var.nodes : node.category => hostname...
  }
}

output "node_dependencies" {
  value = var.provisioning_mode == "sequential" ? local.node_dependencies : {}
}

output "nodes_by_category" {
  value = local.by_category
}

output "node_bmc_ips" {
  value = { for hostname, node in var.nodes : hostname => node.ipmi_ip }
}

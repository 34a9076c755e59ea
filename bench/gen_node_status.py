#!/usr/bin/env python3
"""Generates the seed's node-status module (section 8) for N nodes.

The inventory that `data.bcm_cmdevice_nodes` would return comes in as a variable, so that the
whole workload is evaluated (N nodes x a `for` over N inventory entries, four times, with
`contains` and `try`). Usage: gen_node_status.py N OUTDIR
"""
import json
import os
import sys

n = int(sys.argv[1])
out = sys.argv[2]
os.makedirs(out, exist_ok=True)

with open(os.path.join(out, "main.tf"), "w") as f:
    f.write('''variable "nodes" {
  type = map(object({
    mac      = string
    ipmi_ip  = string
    category = string
    roles    = list(string)
  }))
}

variable "inventory" {
  description = "What data.bcm_cmdevice_nodes returns on the headnode."
  type = list(object({
    hostname   = string
    state      = string
    mac        = string
    interfaces = list(object({ ip = string }))
  }))
}

locals {
  node_status = {
    for hostname, node_config in var.nodes :
    hostname => {
      requested = true
      found     = contains([for n in var.inventory : n.hostname], hostname)
      state     = try([for n in var.inventory : n.state if n.hostname == hostname][0], "unknown")
      ip        = try([for n in var.inventory : n.interfaces[0].ip if n.hostname == hostname][0], "")
      mac       = node_config.mac
      ipmi_ip   = node_config.ipmi_ip
      category  = node_config.category
      roles     = node_config.roles
      success   = try([for n in var.inventory : n.state if n.hostname == hostname][0], "") == "active"
    }
  }
}

output "provisioning_summary" {
  value = {
    total_nodes      = length(var.nodes)
    successful       = length([for h, s in local.node_status : h if s.success])
    failed           = length([for h, s in local.node_status : h if !s.success && s.found])
    not_found        = length([for h, s in local.node_status : h if !s.found])
    successful_nodes = [for h, s in local.node_status : h if s.success]
    failed_nodes     = [for h, s in local.node_status : h if !s.success && s.found]
  }
}

output "node_bmc_ips" {
  value = { for hostname, config in var.nodes : hostname => config.ipmi_ip }
}
''')

nodes = {}
inventory = []
states = ["active", "active", "active", "provisioning", "failed"]
for i in range(n):
    host = "node-%05d" % i
    mac = "02:00:%02x:%02x:%02x:%02x" % ((i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255, i & 255)
    nodes[host] = {
        "mac": mac,
        "ipmi_ip": "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255),
        "category": "dgx" if i % 2 else "cpu",
        "roles": ["compute"],
    }
    # Every tenth node is missing from the headnode's inventory.
    if i % 10 != 9:
        inventory.append({
            "hostname": host,
            "state": states[i % len(states)],
            "mac": mac,
            "interfaces": [{"ip": "192.168.%d.%d" % ((i >> 8) & 255, i & 255)}],
        })

with open(os.path.join(out, "terraform.tfvars.json"), "w") as f:
    json.dump({"nodes": nodes, "inventory": inventory}, f)

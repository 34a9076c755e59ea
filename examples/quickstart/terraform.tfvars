nodes = {
  "dgx-01" = { mac = "00:11:22:33:44:01", ipmi_ip = "10.0.0.101", category = "dgx" }
  "dgx-02" = { mac = "00:11:22:33:44:02", ipmi_ip = "10.0.0.102", category = "dgx" }
  "cpu-01" = { mac = "00:11:22:33:44:03", ipmi_ip = "10.0.0.103" }
}
provisioning_mode = "sequential"

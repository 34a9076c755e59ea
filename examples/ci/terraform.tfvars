nodes = {
  "ci-01" = { mac = "52:54:00:60:00:01", ipmi_ip = "10.148.60.1", management_ip = "10.141.60.1" }
  "ci-02" = { mac = "52:54:00:60:00:02", ipmi_ip = "10.148.60.2", management_ip = "10.141.60.2" }
  "ci-03" = { mac = "52:54:00:60:00:03", ipmi_ip = "10.148.60.3", management_ip = "10.141.60.3", category = "gpu" }
}

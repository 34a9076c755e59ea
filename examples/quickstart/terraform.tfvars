nodes = {
  "cpu-01" = { mac = "52:54:00:0a:00:01", ipmi_ip = "10.148.0.1", management_ip = "10.141.0.1" }
  "cpu-02" = { mac = "52:54:00:0a:00:02", ipmi_ip = "10.148.0.2", management_ip = "10.141.0.2" }
  "gpu-01" = { mac = "52:54:00:0a:00:11", ipmi_ip = "10.148.0.11", management_ip = "10.141.0.11", category = "gpu" }
  "gpu-02" = { mac = "52:54:00:0a:00:12", ipmi_ip = "10.148.0.12", management_ip = "10.141.0.12", category = "gpu" }
}

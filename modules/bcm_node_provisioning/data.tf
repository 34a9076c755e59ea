# The BCM data sources return every object: the module filters by name in locals.tf, and
# terraform_data.preflight (main.tf) says which names exist when a lookup fails.

data "bcm_cmpart_softwareimages" "all" {}

data "bcm_cmnet_networks" "all" {}

data "bcm_cmdevice_categories" "all" {}

data "bcm_cmdevice_roles" "all" {}

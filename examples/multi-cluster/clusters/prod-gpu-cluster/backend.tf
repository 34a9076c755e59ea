# One state per cluster. Replace with the cluster's remote backend (an HCP Terraform workspace
# named after the directory, or S3 with locking) when Terraform runs it; bcmhcl keeps the state
# in terraform.tfstate beside this file.
terraform {
  backend "local" {}
}

"""Build-time tooling for the CloudFormation template merged into ``chalice package``."""

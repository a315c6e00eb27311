"""DynamoDB storage through pynamodb: the only package that imports pynamodb."""

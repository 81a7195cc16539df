"""Data access: the DynamoDB table and the S3 bucket behind the domain's ports, and their clients."""

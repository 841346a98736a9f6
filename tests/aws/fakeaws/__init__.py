"""The loopback AWS test server behind tests/aws/fake_aws.py (see tests/aws/README.md).

wire         protocols, error codes, SigV4, renderers, form decoding
scenario     scenario loading and validation; the in-memory accounts (State)
context      one request (Ctx) and pagination
ops_chain    CloudTrail, CloudWatch Logs, CloudWatch, SNS handlers
ops_account  AWS Config, STS, Organizations, EC2 handlers
server       HTTP routing, authentication, faults, calls log, credential endpoints, main()
"""

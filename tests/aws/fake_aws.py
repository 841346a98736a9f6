#!/usr/bin/env python3
"""Loopback AWS test server for vigil's collector tests.

One HTTP port answers every service the collector calls (CloudTrail, CloudWatch Logs, CloudWatch,
SNS, AWS Config, STS, Organizations, EC2), plus the IMDSv2 and container credential endpoints.
The client points every service at it with an endpoint override; the service and region come from
the SigV4 credential scope, the operation from X-Amz-Target (JSON 1.1) or Action (query, EC2).

Data flow: scenario JSON -> Account/Region dicts (shapes close to the API responses) -> one
handler per operation -> a protocol renderer (JSON 1.1, query XML, EC2 XML) -> optional fault.
Every signed request is verified with the server's own SigV4 implementation against the secret of
its access key (scenario keys plus keys the server issued). The account is kept in memory; write
calls mutate it and GET /__fake_aws/state dumps it. The code is the fakeaws package next to this
file (fakeaws/__init__.py maps it); the scenario format is in tests/aws/README.md.

Usage: fake_aws.py --scenario FILE [--port 0] [--port-file F] [--calls-log F] [--page-size N]
"""

import os
import sys

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakeaws.server import main  # noqa: E402  (the package sits next to this file)

if __name__ == "__main__":
    sys.exit(main())

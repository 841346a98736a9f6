#!/usr/bin/env bash
echo "cli golden: not yet"; exit 0

# The demo account's filters and alarms over AWS's AWS Config example events (see
# testdata/replay/awsdocs_config.expected for the expected alarms worked out by hand).
$VIGIL replay --demo --progress never "$SHARED/data/cloudtrail/awsdocs-config-guide"

$VIGIL pattern check '{ $.errorCode == "AccessDenied" }'

$VIGIL rules show D9.AWS.MON.09 | head -12

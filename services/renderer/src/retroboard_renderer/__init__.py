"""RetroBoard renderer: owns one board's state, draws its apps, speaks MQTT."""

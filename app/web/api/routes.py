# Placeholder until the JSON API lands.

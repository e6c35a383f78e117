"""The project's own Rasa input channels (registered in credentials.yml) and live delivery to widgets."""

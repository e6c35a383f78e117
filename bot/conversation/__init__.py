"""The conversation as a whole: context for follow-ups, push-back, several questions in one message."""

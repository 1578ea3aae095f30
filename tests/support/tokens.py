"""The secrets and origins the secured stacks are started with."""

TOKEN = "Zq3-real-stack-token_9"
ALLOWED_ORIGIN = "https://dashboard.example"

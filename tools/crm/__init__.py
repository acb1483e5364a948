"""CRM: finding and verifying customers, their profile and account settings."""

"""Credit-report answers from the reviewed knowledge file, personalised to the customer's accounts."""

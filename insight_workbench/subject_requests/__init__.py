"""Subject requests: their deadlines and the subject-access data pack."""

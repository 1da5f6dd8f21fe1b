-- One message's facts for its record on Communications, where no rule names it.
SELECT message_id, user_id, category, sent_at FROM communications WHERE message_id = $message_id

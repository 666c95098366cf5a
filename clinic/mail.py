import email.policy

from django.core.mail.backends.smtp import EmailBackend


class SMTPBackend(EmailBackend):
    """Django's SMTP backend, which also keeps the recipients a server refused.

    A server may take a message for some recipients and refuse others; smtplib reports those,
    and Django's backend drops the report. Here they stay in `refused_recipients`
    ({address: (code, reply)}) so the caller can show the failure.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused_recipients = {}

    def _send(self, email_message):
        if not email_message.recipients():
            return False
        from_email = self.prep_address(email_message.from_email)
        recipients = [self.prep_address(address) for address in email_message.recipients()]
        message = email_message.message(policy=email.policy.SMTP)
        refused = self.connection.sendmail(from_email, recipients, message.as_bytes())
        self.refused_recipients.update(refused)
        return True

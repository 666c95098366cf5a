from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ConditionsConfig(AppConfig):
    name = "conditions"

    def ready(self):
        from clinic.pagecache import content_changed

        # Condition pages, lists and the form's choices all show conditions.
        condition = self.get_model("Condition")
        post_save.connect(content_changed, sender=condition, dispatch_uid="condition-saved")
        post_delete.connect(content_changed, sender=condition, dispatch_uid="condition-deleted")

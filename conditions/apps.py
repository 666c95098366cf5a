from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ConditionsConfig(AppConfig):
    name = "conditions"

    def ready(self):
        from clinic.pagecache import content_changed

        # Condition pages, lists and the form's choices all show conditions, in each language.
        for model in (self.get_model("Condition"), self.get_model("ConditionTranslation")):
            name = model._meta.model_name
            post_save.connect(content_changed, sender=model, dispatch_uid=f"{name}-saved")
            post_delete.connect(content_changed, sender=model, dispatch_uid=f"{name}-deleted")

"""The three roles as groups (accounts.roles), and existing accounts given theirs: superusers
are administrators, other staff clerks, everyone else a reader. Permissions are created first:
on a fresh database Django creates them only after every migration has run."""

from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import ADMINISTRATOR, CLERK, GROUPS, READER, sync_groups


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    sync_groups(Group, Permission)
    groups = {role: Group.objects.get(name=name) for role, name in GROUPS.items()}
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    for user in User.objects.all():
        role = ADMINISTRATOR if user.is_superuser else CLERK if user.is_staff else READER
        user.groups.add(groups[role])


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS.values()).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("cases", "0002_originals_jobs"),
        ("guidelines", "0001_initial"),
        ("alerts", "0002_alert_preference"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]

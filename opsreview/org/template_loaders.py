"""Templates are indented for the people who read them; pages go out without the indentation.

These loaders hand Django each HTML template with the spaces that start its lines taken away,
once, when the template is loaded (the cached loader keeps the result), so rendering costs
nothing more. Only the template's own text changes: what a page shows of a user's text comes
from variables and keeps every space. Line breaks stay, so text split over lines keeps its word
breaks, and a <pre> in a template keeps its blank lines. Other templates (plain-text emails)
are read as they are.
"""

from django.template.loaders import app_directories, filesystem


def without_indentation(source: str) -> str:
    return "\n".join(line.lstrip(" \t") for line in source.split("\n"))


class _Dedenting:
    def get_contents(self, origin) -> str:
        source = super().get_contents(origin)
        return without_indentation(source) if origin.name.endswith(".html") else source


class FilesystemLoader(_Dedenting, filesystem.Loader):
    pass


class AppDirectoriesLoader(_Dedenting, app_directories.Loader):
    pass

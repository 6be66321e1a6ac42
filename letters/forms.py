from __future__ import annotations

from django import forms


class VerifyForm(forms.Form):
    file = forms.FileField(label="Signed response (PDF)", allow_empty_file=False)

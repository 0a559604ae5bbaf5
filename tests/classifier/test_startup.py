"""Loading the model skips rjieba's import-time default tokenizer, and rjieba stays usable after."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import sys
import classifier
model = classifier.load_model()
print('rjieba' in sys.modules)
import rjieba
from classifier.features import _jieba_class
print(rjieba.Jieba is _jieba_class(), rjieba.cut('象牙手镯一只') == ['象牙', '手镯', '一只'])
"""


def test_model_load_skips_rjiebas_default_tokenizer() -> None:
    result = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "True", "True"]

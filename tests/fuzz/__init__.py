"""Property tests (hypothesis) of every parser the outside world reaches, with a fixed budget
(``FUZZ``: derandomised, so CI time and examples are stable), and the corpus of regression
inputs they and we found (``corpus/index.csv``, replayed by ``test_corpus.py``)."""

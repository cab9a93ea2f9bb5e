"""Cards for a project's own registered functions, for `archwright validate --code docs/custom_cards.py`.

archwright never imports anything a config names; this file is imported only because --code asks.
"""

from archwright import Arg, Card, register

register(Card(
    "my_project.AttentionTextCat.v1", "architectures",
    (Arg("tok2vec", "Model[List[Doc], List[Floats2d]]", doc="Gives each token a vector."),
     Arg("hidden_width", "int", 128, gt=0, recommended=(32, 512), doc="Width of the attention layer."),
     Arg("dropout", "float", 0.1, ge=0, lt=1, doc="Dropout before the output layer."),
     Arg("nO", "Optional[int]", None, gt=0, doc="Number of labels; set at initialization when null.")),
    returns="Model[List[Doc], Floats2d]", family="textcat",
    doc="My project's text classifier: attention over the token vectors of a tok2vec.",
    example="""[model]
@architectures = "my_project.AttentionTextCat.v1"
hidden_width = 128
dropout = 0.1
nO = null

[model.tok2vec]
@architectures = "spacy.HashEmbedCNN.v2"
pretrained_vectors = null
width = 96
depth = 4
embed_size = 2000
window_size = 1
maxout_pieces = 3
subword_features = true
"""))

"""Scoring script of the iris endpoint: init() loads the model once, run() answers each request."""

import json
import os
import pickle

model = None
CLASSES = ["setosa", "versicolor", "virginica"]


def init():
    global model
    with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"), "rb") as handle:
        model = pickle.load(handle)


def run(raw_data):
    flowers = json.loads(raw_data)["data"]
    return [CLASSES[i] for i in model.predict(flowers)]

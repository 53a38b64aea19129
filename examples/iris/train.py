"""Train an iris classifier; run it with plain `python train.py` or submit it to Kuźnia.

Inside a submitted run, Run.get_context() is that run; outside, an offline run
that prints what is logged. The model goes to ./outputs, which Kuźnia uploads.
"""

import argparse
import os
import pickle

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from kuznia import Run

parser = argparse.ArgumentParser()
parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
parser.add_argument("--max-iter", type=int, default=200)
args = parser.parse_args()

run = Run.get_context()
run.log("C", args.C)
print(f"training with C={args.C}, max_iter={args.max_iter}")

iris = load_iris()
x_train, x_test, y_train, y_test = train_test_split(iris.data, iris.target, test_size=0.3, random_state=0)
model = make_pipeline(StandardScaler(), LogisticRegression(C=args.C, max_iter=args.max_iter))
for fraction in (0.25, 0.5, 0.75, 1.0):  # a learning curve, one point per training-set size
    size = max(10, int(len(x_train) * fraction))
    model.fit(x_train[:size], y_train[:size])
    accuracy = model.score(x_test, y_test)
    run.log("accuracy", accuracy)
    print(f"trained on {size} flowers: accuracy {accuracy:.3f}")

os.makedirs("outputs", exist_ok=True)
with open("outputs/model.pkl", "wb") as handle:
    pickle.dump(model, handle)
print("saved outputs/model.pkl")

from kobench.crd import render_crd_yaml

print(render_crd_yaml(), end="")

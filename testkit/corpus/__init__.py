"""Hostile inputs: the files ``kobench validate`` and the API server must answer alike
(:mod:`.corpus`), the resources the CRD and the model both refuse (:mod:`.crd_rejections`), and
passwords that a shell or a config parser could get wrong (:mod:`.passwords`)."""

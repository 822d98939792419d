throw new Error('msgpackr native acceleration is not installed (see package.json)');

#include "core/model/ctr_models.h"

#include <stdexcept>
#include <string>

#include "core/model/parameter_initializer.h"
#include "core/nn/module_registry.h"

namespace tb {

namespace {

using nlohmann::json;

json linear(const std::string& name, std::int64_t in, std::int64_t out) {
    return {{"type", "linear"}, {"name", name}, {"in", in}, {"out", out}};
}

// Linear + ReLU per hidden width; returns the modules and leaves `width` at the last hidden width.
std::vector<json> hidden_layers(const std::string& prefix, const std::vector<std::int64_t>& hidden, std::int64_t& width) {
    std::vector<json> modules;
    for (std::size_t i = 0; i < hidden.size(); ++i) {
        modules.push_back(linear(prefix + ".hidden" + std::to_string(i), width, hidden[i]));
        modules.push_back({{"type", "relu"}});
        width = hidden[i];
    }
    return modules;
}

std::vector<json> tower_descriptions(const CtrModelSpec& spec, std::int64_t input_width) {
    std::vector<json> towers;
    std::int64_t width = input_width;
    std::vector<json> deep = hidden_layers("deep", spec.hidden, width);
    if (spec.architecture == CtrArchitecture::dcn) {
        const json cross{{"type", "cross_network"}, {"name", "cross"}, {"width", input_width}, {"layers", spec.cross_layers}};
        const json beside = deep.empty() ? json{{"type", "concat"}, {"modules", {cross}}}
                                         : json{{"type", "concat"}, {"modules", {cross, {{"type", "sequential"}, {"modules", deep}}}}};
        const std::int64_t joined = input_width + (deep.empty() ? 0 : width);
        towers.push_back({{"type", "sequential"}, {"modules", {beside, linear("output", joined, 1)}}});
        return towers;
    }
    deep.push_back(linear("deep.output", width, 1));
    towers.push_back({{"type", "sequential"}, {"modules", deep}});
    if (spec.architecture == CtrArchitecture::deepfm) {
        towers.push_back({{"type", "factorization_machine"}, {"fields", spec.categorical_fields}, {"dim", spec.embedding_dim}});
    }
    return towers;
}

void check_spec(const CtrModelSpec& spec) {
    auto fail = [](const std::string& what) { throw std::invalid_argument("CTR model: " + what); };
    if (spec.categorical_fields < 1) fail("needs at least one categorical field");
    if (spec.dense_fields < 0) fail("a negative number of dense fields");
    if (spec.embedding_dim < 1) fail("the embedding dimension must be positive");
    for (std::int64_t width : spec.hidden) {
        if (width < 1) fail("hidden widths must be positive");
    }
    if (spec.architecture == CtrArchitecture::dcn && spec.cross_layers < 1) fail("dcn needs at least one cross layer");
}

}  // namespace

const EnumNames<CtrArchitecture>& ctr_architecture_names() {
    static const EnumNames<CtrArchitecture> names{{CtrArchitecture::wide_deep, "wide_deep"},
                                                  {CtrArchitecture::deepfm, "deepfm"},
                                                  {CtrArchitecture::dcn, "dcn"}};
    return names;
}

bool ctr_has_first_order(const CtrModelSpec& spec) { return spec.architecture != CtrArchitecture::dcn; }

std::int64_t ctr_embedding_width(const CtrModelSpec& spec) {
    return spec.embedding_dim + (ctr_has_first_order(spec) ? 1 : 0);
}

CtrModel::CtrModel(const CtrModelSpec& spec, Backend& backend, std::uint64_t seed)
    : spec_((check_spec(spec), spec)),
      backend_(backend),
      input_width_(spec.categorical_fields * spec.embedding_dim + spec.dense_fields),
      embedding_bag_(spec.categorical_fields, spec.embedding_dim),
      first_order_bag_(spec.categorical_fields, 1) {
    for (const json& description : tower_descriptions(spec_, input_width_)) {
        towers_.push_back(nn::build_module(description));
        if (towers_.back()->output_width(input_width_) != 1) throw std::logic_error("a CTR tower must end in one column");
        towers_.back()->declare(layout_);
    }
    if (ctr_has_first_order(spec_)) {
        if (spec_.dense_fields > 0) dense_weight_segment_ = layout_.add("first_order.dense", spec_.dense_fields, 1);
        bias_segment_ = layout_.add("first_order.bias", 1, 1);
    }
    parameters_ = ParameterArena(backend_, layout_, "model parameters");
    gradients_ = Gradients(backend_, layout_);
    std::vector<float> initial(static_cast<std::size_t>(layout_.total_size()), 0.0f);
    ParameterInitializer initializer(seed);
    for (const ParameterSegment& segment : layout_.segments()) {
        if (segment.is_vector()) continue;  // biases start at zero
        initializer.glorot_uniform(initial.data() + segment.offset, segment.rows, segment.cols);
    }
    parameters_.upload(initial);
}

ConstMatrixView CtrModel::forward(const CsrView& lookups, ConstMatrixView compact_table, ConstMatrixView dense_fields,
                                  bool training) {
    const std::int64_t fields = spec_.categorical_fields;
    const std::int64_t dim = spec_.embedding_dim;
    const std::int64_t width = ctr_embedding_width(spec_);
    if (compact_table.cols != width || dense_fields.cols != spec_.dense_fields ||
        lookups.rows != dense_fields.rows * fields) {
        throw std::invalid_argument("CTR model: a batch of " + std::to_string(dense_fields.rows) + " rows x " +
                                    std::to_string(dense_fields.cols) + " dense fields with " +
                                    std::to_string(lookups.rows) + " lookups and a table of width " +
                                    std::to_string(compact_table.cols) + " (the model takes " + std::to_string(fields) +
                                    " fields, " + std::to_string(spec_.dense_fields) + " dense fields, width " +
                                    std::to_string(width) + ")");
    }
    const std::int64_t rows = dense_fields.rows;
    lookups_ = lookups;
    dense_fields_ = dense_fields;
    if (ones_.size() < std::max(rows, fields)) {
        ensure_capacity(ones_, backend_, std::max(rows, fields), "layer activations");
        backend_.fill(ones_.data(), ones_.size(), 1.0f);
    }
    // x_0 = [embeddings | dense fields]: the bag's output and the dense fields copied into their column
    // blocks (scale_rows by ones is a strided copy).
    const ConstMatrixView table_embeddings{compact_table.data, compact_table.rows, dim, compact_table.row_stride()};
    const ConstMatrixView embeddings = embedding_bag_.forward(backend_, lookups, table_embeddings);
    input_.resize(backend_, rows, input_width_, "layer activations");
    backend_.scale_rows(embeddings, ones_.data(), 0.0f, {input_.data(), rows, fields * dim, input_width_});
    if (spec_.dense_fields > 0) {
        backend_.scale_rows(dense_fields, ones_.data(), 0.0f,
                            {input_.data() + fields * dim, rows, spec_.dense_fields, input_width_});
    }
    logits_.resize(backend_, rows, 1, "layer activations");
    const nn::ForwardPass pass{backend_, parameters_, training};
    saved_.clear();
    for (std::size_t t = 0; t < towers_.size(); ++t) {
        nn::Forward out = towers_[t]->forward(pass, nn::ModuleInput(input_.view()));
        backend_.scale_rows(out.output, ones_.data(), t == 0 ? 0.0f : 1.0f, logits_.view());
        saved_.push_back(std::move(out.saved));
    }
    if (ctr_has_first_order(spec_)) {
        const ConstMatrixView table_weights{compact_table.data + dim, compact_table.rows, 1, compact_table.row_stride()};
        const ConstMatrixView per_field = first_order_bag_.forward(backend_, lookups, table_weights);
        backend_.gemm(Transpose::no, Transpose::no, 1.0f, per_field, {ones_.data(), fields, 1}, 1.0f, logits_.view());
        if (spec_.dense_fields > 0) {
            backend_.gemm(Transpose::no, Transpose::no, 1.0f, dense_fields, parameters_.segment(dense_weight_segment_),
                          1.0f, logits_.view());
        }
        backend_.add_row_vector(logits_.view(), parameters_.segment(bias_segment_).data);
    }
    return logits_.view();
}

void CtrModel::backward(ConstMatrixView grad_logits, MatrixView compact_gradient) {
    const std::int64_t fields = spec_.categorical_fields;
    const std::int64_t dim = spec_.embedding_dim;
    const std::int64_t rows = grad_logits.rows;
    if (rows != dense_fields_.rows || grad_logits.cols != 1 || !grad_logits.is_contiguous() ||
        compact_gradient.cols != ctr_embedding_width(spec_) || compact_gradient.rows != lookups_.cols) {
        throw std::invalid_argument("CTR model: backward needs the last forward's rows x 1 logit gradient and a " +
                                    std::to_string(lookups_.cols) + " x " + std::to_string(ctr_embedding_width(spec_)) +
                                    " table gradient");
    }
    nn::BackwardPass pass(backend_, parameters_, gradients_);
    input_gradient_.resize(backend_, rows, input_width_, "activation gradients");
    for (std::size_t t = 0; t < towers_.size(); ++t) {
        const MatrixView tower_gradient = towers_[t]->backward(pass, saved_[t], grad_logits, true);
        if (t == 0) {
            backend_.scale_rows(tower_gradient, ones_.data(), 0.0f, input_gradient_.view());
        } else {
            backend_.axpby(1.0f, tower_gradient.data, 1.0f, input_gradient_.data(), input_gradient_.size());
        }
    }
    // The embeddings' block of dL/dx_0, contiguous for the bag's transposed product.
    embedding_gradient_.resize(backend_, rows, fields * dim, "activation gradients");
    backend_.scale_rows({input_gradient_.data(), rows, fields * dim, input_width_}, ones_.data(), 0.0f,
                        embedding_gradient_.view());
    const MatrixView table_embeddings{compact_gradient.data, compact_gradient.rows, dim, compact_gradient.row_stride()};
    embedding_bag_.backward(backend_, lookups_, embedding_gradient_.view(), 0.0f, table_embeddings);
    if (ctr_has_first_order(spec_)) {
        // Every field's first-order weight gets dL/dlogit.
        first_order_gradient_.resize(backend_, rows, fields, "activation gradients");
        backend_.gemm(Transpose::no, Transpose::no, 1.0f, grad_logits, {ones_.data(), 1, fields}, 0.0f,
                      first_order_gradient_.view());
        const MatrixView table_weights{compact_gradient.data + dim, compact_gradient.rows, 1, compact_gradient.row_stride()};
        first_order_bag_.backward(backend_, lookups_, first_order_gradient_.view(), 0.0f, table_weights);
        if (spec_.dense_fields > 0) {
            backend_.gemm(Transpose::yes, Transpose::no, 1.0f, dense_fields_, grad_logits, pass.claim(dense_weight_segment_),
                          gradients_.dense().segment(dense_weight_segment_));
        }
        backend_.column_sums(1.0f, grad_logits, pass.claim(bias_segment_), gradients_.dense().segment(bias_segment_).data);
    }
}

json CtrModel::describe() const {
    json towers = json::array();
    for (const auto& tower : towers_) towers.push_back(tower->describe());
    return {{"architecture", ctr_architecture_names().name(spec_.architecture)},
            {"categorical_fields", spec_.categorical_fields},
            {"dense_fields", spec_.dense_fields},
            {"embedding_dim", spec_.embedding_dim},
            {"towers", towers}};
}

StepCost CtrModel::cost(std::int64_t rows) const {
    nn::BatchShape shape;
    shape.rows = rows;
    shape.width = input_width_;
    StepCost total;
    for (const auto& tower : towers_) total += tower->cost(shape);
    return total;
}

}  // namespace tb
